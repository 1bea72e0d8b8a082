//go:build unix

package monitor

import (
	"fmt"
	"os"
	"testing"
)

func TestDeadOwner(t *testing.T) {
	t.Parallel()
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	self := fmt.Sprintf("%s:%d:aaaa", host, os.Getpid())
	for _, tc := range []struct {
		name, owner string
		dead        bool
	}{
		{"this replica", self, false},
		{"an earlier run under this process id", fmt.Sprintf("%s:%d:bbbb", host, os.Getpid()), true},
		{"a process that runs", fmt.Sprintf("%s:%d:cccc", host, os.Getppid()), false},
		{"a process id that no process has", fmt.Sprintf("%s:%d:dddd", host, 1<<30), true},
		{"another host", fmt.Sprintf("elsewhere-%s:%d:eeee", host, 1<<30), false},
		{"a name that is not host:pid:suffix", "replica-1", false},
	} {
		if got := deadOwner(tc.owner, self); got != tc.dead {
			t.Errorf("%s (%q): dead = %v, want %v", tc.name, tc.owner, got, tc.dead)
		}
	}
}
