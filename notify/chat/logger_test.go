package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/storywatch/storywatch/notify/notifytest"
)

// syncBuffer is a bytes.Buffer safe for the handler's writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLoggerURLWritesMessagesToTheLog(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	s, err := New(Options{NotifierID: "team-chat", URL: "logger://", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	r := notifytest.Rendered(t)
	if err := s.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Msg      string `json:"msg"`
		Notifier string `json:"notifier"`
		Message  string `json:"message"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out.String())), &rec); err != nil {
		t.Fatalf("want one JSON log record, got %q: %v", out.String(), err)
	}
	if rec.Msg != "chat message" || rec.Notifier != "team-chat" || rec.Message != r.Chat {
		t.Errorf("log record = %+v, want the chat text of team-chat", rec)
	}
}
