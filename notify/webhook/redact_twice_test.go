package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

// The outbox redacts a delivery's error text again after the sender did:
// the second pass must change nothing.
func TestDeliveryErrorSurvivesRedactionTwice(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "try later", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	w, err := New(Options{NotifierID: "team-hook", URL: srv.URL + "/in/s3cr3t-path?token=t0k3n", Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	sendErr := w.Send(context.Background(), notifytest.Rendered(t))
	if sendErr == nil {
		t.Fatal("a 503 was taken for success")
	}
	want := "webhook team-hook (" + srv.URL + "/…): "
	if !strings.HasPrefix(sendErr.Error(), want) {
		t.Fatalf("sender's error = %q, want it to start %q", sendErr, want)
	}
	if stored := notify.RedactURLs(sendErr.Error()); stored != sendErr.Error() {
		t.Errorf("redacting again changed the error:\n was %q\n now %q", sendErr, stored)
	}
	for _, tt := range []struct{ in, want string }{
		{"chat c (slack://hooks/…): no answer", "chat c (slack://hooks/…): no answer"},
		{"see (https://x.org/a/b?token=t0k3n): refused", "see (https://x.org/…): refused"},
		{"at https://x.org/p1.", "at https://x.org/…."},
	} {
		if got := notify.RedactURLs(tt.in); got != tt.want {
			t.Errorf("RedactURLs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
