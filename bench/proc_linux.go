//go:build linux

package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memStatus returns the process's resident set now and its peak (VmRSS and
// VmHWM of /proc/self/status), in bytes.
func memStatus() (rss, peak int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if k == "VmRSS" {
			rss = n << 10
		} else {
			peak = n << 10
		}
	}
	return rss, peak
}

// cpuModel returns the "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ioCounters returns the process's I/O system calls and bytes so far
// (/proc/self/io): reads and writes of files and sockets alike.
func ioCounters() IO {
	var c IO
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return c
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch k {
		case "syscr":
			c.ReadCalls = n
		case "syscw":
			c.WriteCalls = n
		case "rchar":
			c.ReadBytes = n
		case "wchar":
			c.WriteBytes = n
		}
	}
	return c
}

// childAttr puts a child in a process group of its own, so that a Ctrl-C
// reaches the bench alone, which then ends the child itself.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// clockTicks is the unit of the times of /proc/<pid>/stat (USER_HZ, 100
// on every Linux architecture Go supports).
const clockTicks = 100

// childCPU returns the CPU time (user + system, all threads) process pid
// has used so far, from /proc/<pid>/stat, to 10 ms.
func childCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after it; utime and stime are fields 14 and 15 of the line.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	user, err1 := strconv.ParseInt(f[11], 10, 64)
	sys, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(user+sys) * time.Second / clockTicks
}

// resetPeak resets the process's peak RSS (VmHWM) to its RSS now.
func resetPeak() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// procStat returns the parent and the CPU times of a process: its own
// (utime + stime) and its waited-for children's (cutime + cstime).
func procStat(pid int) (parent int, own, children time.Duration, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, err
	}
	// The command, in parentheses, may hold spaces: fields follow its
	// last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, 0, fmt.Errorf("/proc/%d/stat: no command", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return 0, 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	// f[0] is the state (field 3); ppid is field 4, utime 14 … cstime 17.
	n := func(k int) int64 { v, _ := strconv.ParseInt(f[k-3], 10, 64); return v }
	return int(n(4)), time.Duration(n(14)+n(15)) * time.Second / clockTicks, time.Duration(n(16)+n(17)) * time.Second / clockTicks, nil
}

// parentPID returns the parent of a process.
func parentPID(pid int) (int, error) {
	parent, _, _, err := procStat(pid)
	return parent, err
}

// treeCPU returns the CPU used by a process, its exited children (which
// the kernel adds to it once it waits for them) and its live children:
// for a PostgreSQL postmaster, the whole server's, backends included.
func treeCPU(pid int) time.Duration {
	_, own, waited, err := procStat(pid)
	if err != nil {
		return 0
	}
	total := own + waited
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		if parent, own, waited, err := procStat(child); err == nil && parent == pid {
			total += own + waited
		}
	}
	return total
}

// canResetPeak reports whether resetPeak works here.
func canResetPeak() bool {
	return resetPeak() == nil
}
