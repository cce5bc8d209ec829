// idle is a Go program with nothing to do but a heartbeat timer, like a server between requests: its threads
// park, sysmon sleeps, and one thread waits in the network poller for the next timer. Whatever futex waits it
// makes are the runtime's own.
//
// Protocol (-start=signal): print "ready <pid>" and wait for SIGUSR1; idle for -duration; print one JSON line
// (the window on CLOCK_MONOTONIC and the heartbeats); then wait (-linger) or exit. -duration=0 idles until
// killed.
package main

import (
	"flag"
	"runtime"
	"time"

	"gotrace.test/golib/protocol"
)

type report struct {
	GoVersion   string `json:"go_version"`
	Ticks       int    `json:"ticks"`
	WindowStart int64  `json:"window_start_ns"`
	WindowEnd   int64  `json:"window_end_ns"`
}

func main() {
	proto := protocol.Flags()
	duration := flag.Duration("duration", 2*time.Second, "how long to idle; 0 = until killed")
	tick := flag.Duration("tick", 10*time.Millisecond, "heartbeat period")
	flag.Parse()

	proto.AwaitStart()
	r := report{GoVersion: runtime.Version(), WindowStart: protocol.MonotonicNs()}
	t := time.NewTicker(*tick)
	var deadline <-chan time.Time
	if *duration > 0 {
		deadline = time.After(*duration)
	}
	for done := false; !done; {
		select {
		case <-t.C:
			r.Ticks++
		case <-deadline:
			done = true
		}
	}
	t.Stop()
	r.WindowEnd = protocol.MonotonicNs()
	proto.Report(r)
}
