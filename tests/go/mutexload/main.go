// mutexload makes goroutines contend on one sync.Mutex around a short critical section, so that the runtime's
// threads park and wake each other all the time: the futex traffic the waits capability measures.
//
// With -raw-futex-waits=N it first makes N futex waits of its own (syscall.Syscall6, FUTEX_WAIT_PRIVATE with a
// 1 ms timeout on a word nobody wakes): waits made by Go code outside the runtime, which all time out. With
// -raw-futex-wakes=N it times N FUTEX_WAKE_PRIVATE calls on a word nobody waits on (what one traced futex call
// costs, for bench/waits).
//
// Protocol (-start=signal): print "ready <pid>" and wait for SIGUSR1; run for -duration; print one JSON line
// (the window on CLOCK_MONOTONIC, the lock acquisitions, and the raw waits that timed out); then wait (-linger)
// or exit.
package main

import (
	"flag"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"gotrace.test/golib/protocol"
)

type report struct {
	GoVersion    string  `json:"go_version"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
	Acquisitions uint64  `json:"acquisitions"`
	RawTimeouts  int     `json:"raw_futex_timeouts"`
	RawWakeNs    float64 `json:"raw_futex_wake_ns"` // per call, 0 without -raw-futex-wakes
	WindowStart  int64   `json:"window_start_ns"`
	WindowEnd    int64   `json:"window_end_ns"`
}

var shared [64]uint64

const (
	futexWaitPrivate = 128 // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
	futexWakePrivate = 129 // FUTEX_WAKE | FUTEX_PRIVATE_FLAG
)

// rawFutexWakes times n wakes of a word nobody waits on; returns nanoseconds per call.
func rawFutexWakes(n int) float64 {
	var word uint32
	if n == 0 {
		return 0
	}
	start := protocol.MonotonicNs()
	for i := 0; i < n; i++ {
		syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), futexWakePrivate, 1, 0, 0, 0)
	}
	return float64(protocol.MonotonicNs()-start) / float64(n)
}

// rawFutexWaits waits n times for 1 ms on a futex word nobody wakes; returns how many waits timed out.
func rawFutexWaits(n int) int {
	var word uint32
	timeouts := 0
	for i := 0; i < n; i++ {
		ts := syscall.Timespec{Nsec: int64(time.Millisecond)}
		_, _, errno := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), futexWaitPrivate, 0,
			uintptr(unsafe.Pointer(&ts)), 0, 0)
		if errno == syscall.ETIMEDOUT {
			timeouts++
		}
	}
	return timeouts
}

// contend takes the lock, does a little work inside, and a little outside, until stop closes.
func contend(mu *sync.Mutex, stop <-chan struct{}, n *uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; !protocol.Stopped(stop); i++ {
		mu.Lock()
		for k := range shared {
			shared[k] += uint64(i)
		}
		mu.Unlock()
		atomic.AddUint64(n, 1)
		if i%32 == 0 {
			time.Sleep(50 * time.Microsecond) // let threads go idle now and then: parking and waking
		}
	}
}

func run(duration time.Duration, workers, rawWaits, rawWakes int) report {
	var mu sync.Mutex
	var n uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	start := protocol.MonotonicNs()
	raw := rawFutexWaits(rawWaits)
	wakeNs := rawFutexWakes(rawWakes)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go contend(&mu, stop, &n, &wg)
	}
	time.Sleep(duration)
	close(stop)
	wg.Wait()
	end := protocol.MonotonicNs()
	return report{GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), Acquisitions: n,
		RawTimeouts: raw, RawWakeNs: wakeNs, WindowStart: start, WindowEnd: end}
}

func main() {
	proto := protocol.Flags()
	duration := flag.Duration("duration", 2*time.Second, "how long to contend")
	workers := flag.Int("workers", 8, "contending goroutines")
	rawWaits := flag.Int("raw-futex-waits", 0, "futex waits made with syscall.Syscall6 before the contention")
	rawWakes := flag.Int("raw-futex-wakes", 0, "futex wakes (no waiter) timed before the contention")
	flag.Parse()

	proto.AwaitStart()
	proto.Report(run(*duration, *workers, *rawWaits, *rawWakes))
}
