package web

import "testing"

func TestProbeAddrUsesLoopbackForWildcards(t *testing.T) {
	t.Parallel()
	for listen, want := range map[string]string{
		"":              "127.0.0.1:8080",
		"bad":           "127.0.0.1:8080",
		":9090":         "127.0.0.1:9090",
		"0.0.0.0:9090":  "127.0.0.1:9090",
		"[::]:9090":     "127.0.0.1:9090",
		"10.0.0.5:9090": "10.0.0.5:9090",
	} {
		if got := ProbeAddr(listen); got != want {
			t.Errorf("ProbeAddr(%q) = %q, want %q", listen, got, want)
		}
	}
}
