// Package protocol is what every test program under tests/go shares with the Python harness
// (tests/integration/gotrace_harness.py): with -start=signal a program prints "ready <pid>" and waits for
// SIGUSR1, so that gotrace can attach before the measured window opens; its ground truth is one JSON line on
// stdout; -linger keeps it alive after that line, so that a tracer sees the process exit only when it should.
package protocol

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
	"unsafe"
)

// Run holds the protocol's flags.
type Run struct {
	start  *string
	linger *time.Duration
}

// Flags defines -start and -linger on the default flag set; call it before flag.Parse.
func Flags() *Run {
	return &Run{
		start:  flag.String("start", "now", "now | signal (print \"ready <pid>\", then wait for SIGUSR1)"),
		linger: flag.Duration("linger", 0, "time to stay alive after the report"),
	}
}

// AwaitStart, with -start=signal, prints "ready <pid>" followed by extra (space-separated) and waits for
// SIGUSR1. It returns whether it waited.
func (r *Run) AwaitStart(extra ...interface{}) bool {
	if *r.start != "signal" {
		return false
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	fmt.Println(append([]interface{}{"ready", os.Getpid()}, extra...)...)
	<-sig
	return true
}

// Report prints v as one JSON line on stdout, then lingers.
func (r *Run) Report(v interface{}) {
	out, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	fmt.Println(string(out))
	r.Linger()
}

// Linger sleeps for -linger.
func (r *Run) Linger() {
	time.Sleep(*r.linger)
}

// MonotonicNs reads CLOCK_MONOTONIC, the clock of the runtime's nanotime() and of gotrace's timestamps, which
// the time package keeps to itself: the harness compares a program's window with the times gotrace prints.
func MonotonicNs() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// Stopped reports, without blocking, whether stop has been closed: the workload loops poll it between steps.
func Stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}
