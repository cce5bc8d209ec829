// cgowait waits in C: a cgo call runs pthread_cond_timedwait on a condition nobody signals, -waits times, each
// timing out after 1 ms. Those futex waits are made by C code (glibc), not by the Go runtime: the waits
// capability must attribute them to cgo. Then C calls epoll_wait (which the Go runtime never does) -epoll-waits
// times on an empty epoll instance, each timing out after 1 ms (a wait a signal cut short is made again and
// counted in c_epoll_interrupted).
//
// Protocol (-start=signal): print "ready <pid>" and wait for SIGUSR1; make the waits; print one JSON line (how
// many timed out, as C saw it); then wait (-linger) or exit. Built without cgo (the static variant), it reports
// c_timeouts and c_epoll_timeouts -1.
package main

import (
	"flag"
	"runtime"

	"gotrace.test/golib/protocol"
)

type report struct {
	GoVersion string `json:"go_version"`
	Cgo       bool   `json:"cgo"`
	CTimeouts int    `json:"c_timeouts"`
	CEpoll    int    `json:"c_epoll_timeouts"`
	CEpollCut int    `json:"c_epoll_interrupted"`
}

func main() {
	proto := protocol.Flags()
	waits := flag.Int("waits", 20, "timed waits in C")
	epollWaits := flag.Int("epoll-waits", 0, "epoll_wait calls in C")
	flag.Parse()

	proto.AwaitStart()
	n := cTimedWaits(*waits)
	e, cut := cEpollTimeouts(*epollWaits)
	proto.Report(report{GoVersion: runtime.Version(), Cgo: n >= 0, CTimeouts: n, CEpoll: e, CEpollCut: cut})
}
