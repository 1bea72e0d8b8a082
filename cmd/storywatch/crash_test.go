package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify/smtptest"
)

// A storywatch process is SIGKILLed after it recorded a digest: while its
// email is in the SMTP server's hands and before its webhook was sent.
// `once` then sends what is left: the webhook exactly once. The email stays
// claimed until its send timeout plus the claim margin have passed, since a
// send may still be running for all another process knows; after that it
// goes out again under the same Message-ID (delivery is at least once, with
// a key to deduplicate by; notify's TestDeliveryLeftSendingByACrashIsRetried
// covers the retry with an injected clock).
func TestKilledAfterRecordingIsDeliveredOnceAfterRestart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	e := newDigestEnv(t)
	e.seed(t, []string{"Witkoff story"}, "Witkoff", "witkoff")
	arrived := e.smtp.Hold()

	// TestHelperProcess (once_test.go) runs storywatch in the subprocess.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "STORYWATCH_HELPER_PROCESS=1",
		"STORYWATCH_HELPER_ARGS="+strings.Join([]string{"digest", "morning", "-send", "-config", e.config}, "\n"),
		"WEBHOOK_SECRET="+testHookSecret, "SMTP_PASSWORD="+testSMTPPassword)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the email never reached the server; stderr:\n%s", stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// The server got the message; the killed process never heard back.
	e.smtp.Release()
	if requests, _, _, _ := e.hook.snapshot(); requests != 0 {
		t.Fatalf("the webhook was sent before the kill (%d requests)", requests)
	}

	code, out, errOut := e.run(t, "once")
	if code != 0 {
		t.Fatalf("once: exit %d\n%s\n%s", code, out, errOut)
	}
	_, _, byKey, _ := e.hook.snapshot()
	if len(byKey) != 1 {
		t.Fatalf("webhook accepted keys %v, want one", byKey)
	}
	for k, n := range byKey {
		if n != 1 {
			t.Errorf("webhook key %s delivered %d times", k, n)
		}
	}
	ids := map[string]int{}
	for _, m := range e.smtp.Messages() {
		ids[smtptest.Header(m.Data, "Message-Id")]++
	}
	if len(ids) != 1 {
		t.Errorf("emails carry Message-IDs %v, want one", ids)
	}
	// Once more: everything is sent, nothing goes out again.
	before := len(e.smtp.Messages())
	if code, _, _ := e.run(t, "once"); code != 0 {
		t.Fatalf("second once: exit %d", code)
	}
	requests, _, _, _ := e.hook.snapshot()
	if requests != 1 || len(e.smtp.Messages()) != before {
		t.Errorf("second once sent again: %d webhook requests, %d emails", requests, len(e.smtp.Messages()))
	}
	if _, table, _ := e.run(t, "deliveries"); strings.Count(table, " sent ") != 2 || strings.Count(table, " sending ") != 1 {
		t.Errorf("deliveries:\n%s", table)
	}
}
