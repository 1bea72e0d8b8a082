package monitor

import (
	"os"
	"strconv"
	"strings"
)

// deadOwner reports whether lease owner names a process of this host that
// is gone: one whose process id no longer runs, or an earlier run under
// this process's own id (a restarted container's process 1). Its leases
// hold no fetch, and a Poller takes them back at once instead of waiting
// for them to end. Owners on other hosts are never judged dead here.
func deadOwner(owner, self string) bool {
	host, rest, ok := strings.Cut(owner, ":")
	if !ok || owner == self {
		return false
	}
	me, err := os.Hostname()
	if err != nil || host != me {
		return false
	}
	pidText, _, ok := strings.Cut(rest, ":")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 {
		return false
	}
	return pid == os.Getpid() || !processRuns(pid)
}
