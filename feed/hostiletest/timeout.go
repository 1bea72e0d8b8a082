package hostiletest

import "time"

// Timeout is the fetch timeout the hostile tests give the client: 2 s, or
// 10 s when the race detector runs. The tests prove that every case costs
// at most one timeout; the legitimate cases beside them (a feed after five
// redirects, 10,000 items) must be read within the same one, and with
// every memory access checked they need several times longer on a loaded
// machine. The cases' cost is still bounded by the timeout, whatever it is.
const Timeout = 2 * time.Second * raceFactor
