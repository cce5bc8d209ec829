// hotspots spends its time in known places, as ground truth for gotrace's flamegraphs:
//
//	-mode=cpu     workers burn CPU in main.hotSpin (a function of its own) and main.mixInlined (inlined into
//	              main.inlinedCaller) in a 2:1 ratio, timed by their own thread CPU clocks;
//	-mode=offcpu  workers block in a nanosleep system call made from main.sleepInSyscall (the thread, not just
//	              the goroutine, is off CPU there), timed by the monotonic clock;
//	-mode=gc      workers allocate in main.allocHeavy, which triggers and assists garbage collection.
//
// -syscall-workers adds workers to any mode that write a byte to /dev/null in a loop from main.writeSpin: raw
// write(2) system calls, each an entry into the kernel (unlike clock_gettime, which the vDSO may answer), so
// that a CPU profile has kernel frames for certain.
//
// Protocol (-start=signal): print "ready <pid>" and wait for SIGUSR1; run for -duration; print one JSON line of
// ground truth; then wait (-linger) and exit. -cpuprofile writes the runtime's own CPU profile of the window.
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"gotrace.test/golib/protocol"
)

const (
	clockProcessCPU = 2 // CLOCK_PROCESS_CPUTIME_ID
	clockThreadCPU  = 3 // CLOCK_THREAD_CPUTIME_ID
)

type report struct {
	GoVersion    string `json:"go_version"`
	Mode         string `json:"mode"`
	WindowNs     int64  `json:"window_ns"`
	ProcessCPUNs int64  `json:"process_cpu_ns"` // CPU time of the whole process over the window
	HotSpinNs    int64  `json:"hot_spin_ns"`    // thread CPU time inside main.hotSpin calls
	InlinedNs    int64  `json:"inlined_ns"`     // thread CPU time inside main.inlinedCaller calls
	Calls        int64  `json:"calls"`          // calls of either (itersPerCall iterations each): the work done
	SleepNs      int64  `json:"sleep_ns"`       // wall time inside main.sleepInSyscall, all workers
	Allocated    int64  `json:"allocated_bytes"`
	GCCycles     uint32 `json:"gc_cycles"`
}

var sink uint64

func clockNs(clock uintptr) int64 {
	var ts syscall.Timespec
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

//go:noinline
func hotSpin(n int) uint64 {
	x := sink | 1
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// mixInlined is small enough to be inlined into inlinedCaller: its samples carry an inlined frame.
func mixInlined(x uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

//go:noinline
func inlinedCaller(n int) uint64 {
	return mixInlined(sink, n) + 1
}

// itersPerCall makes each call last about 70 us, so that the clock reads between calls (system calls, counted
// in the truth but not in the function's samples) cost under 2% of the time measured.
const itersPerCall = 50000

// burn calls f until its thread has spent budget ns of CPU in it; returns the CPU time spent and the calls.
func burn(f func(int) uint64, budget int64) (int64, int64) {
	t0 := clockNs(clockThreadCPU)
	t, calls := t0, int64(0)
	for t-t0 < budget {
		sink += f(itersPerCall)
		calls++
		t = clockNs(clockThreadCPU)
	}
	return t - t0, calls
}

// cpuWorker alternates between the two functions for budgets drawn at random (2:1 on average), each far shorter
// than a sampler's period (2 ms at 499 Hz): a fixed period would alias with a periodic sampler, which would then
// see one function far more often than it runs, and long phases make neighbouring samples fall in the same one.
func cpuWorker(stop *int32, spin, inlined, calls *int64) {
	runtime.LockOSThread() // the thread CPU clock then measures this goroutine alone
	for atomic.LoadInt32(stop) == 0 {
		ns, n := burn(hotSpin, 1e5+rand.Int63n(2e5))
		atomic.AddInt64(spin, ns)
		atomic.AddInt64(calls, n)
		ns, n = burn(inlinedCaller, 5e4+rand.Int63n(1e5))
		atomic.AddInt64(inlined, ns)
		atomic.AddInt64(calls, n)
	}
}

//go:noinline
func sleepInSyscall(d time.Duration) int64 {
	t0 := clockNs(1) // CLOCK_MONOTONIC
	ts := syscall.NsecToTimespec(int64(d))
	syscall.Nanosleep(&ts, nil) // blocks the thread itself: its off-CPU stack holds this function
	return clockNs(1) - t0
}

func offcpuWorker(stop *int32, slept *int64) {
	for atomic.LoadInt32(stop) == 0 {
		atomic.AddInt64(slept, sleepInSyscall(20*time.Millisecond))
	}
}

var keep [][]byte

//go:noinline
func allocHeavy(i int) {
	keep[i%len(keep)] = make([]byte, 16<<10)
}

func gcWorker(stop *int32, allocated *int64) {
	for i := 0; atomic.LoadInt32(stop) == 0; i++ {
		allocHeavy(i)
		atomic.AddInt64(allocated, 16<<10)
	}
}

//go:noinline
func writeSpin(fd uintptr, buf *byte) {
	for i := 0; i < 1000; i++ {
		syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(buf)), 1)
	}
}

func syscallWorker(stop *int32) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		panic(err)
	}
	defer null.Close()
	runtime.LockOSThread()
	var b byte
	for atomic.LoadInt32(stop) == 0 {
		writeSpin(null.Fd(), &b)
	}
}

func run(mode string, duration time.Duration, workers, syscallWorkers int) report {
	r := report{GoVersion: runtime.Version(), Mode: mode}
	var stop int32
	var wg sync.WaitGroup
	var ms0, ms1 runtime.MemStats
	keep = make([][]byte, 256)
	runtime.ReadMemStats(&ms0)
	cpu0, t0 := clockNs(clockProcessCPU), time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch mode {
			case "cpu":
				cpuWorker(&stop, &r.HotSpinNs, &r.InlinedNs, &r.Calls)
			case "offcpu":
				offcpuWorker(&stop, &r.SleepNs)
			case "gc":
				gcWorker(&stop, &r.Allocated)
			}
		}()
	}
	for w := 0; w < syscallWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			syscallWorker(&stop)
		}()
	}
	time.Sleep(duration)
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	r.ProcessCPUNs = clockNs(clockProcessCPU) - cpu0
	r.WindowNs = time.Since(t0).Nanoseconds()
	runtime.ReadMemStats(&ms1)
	r.GCCycles = ms1.NumGC - ms0.NumGC
	return r
}

func main() {
	proto := protocol.Flags()
	mode := flag.String("mode", "cpu", "cpu | offcpu | gc")
	duration := flag.Duration("duration", 3*time.Second, "workload duration")
	workers := flag.Int("workers", 2, "worker goroutines")
	syscallWorkers := flag.Int("syscall-workers", 0, "extra goroutines making write(2) calls to /dev/null")
	cpuprofile := flag.String("cpuprofile", "", "write the runtime's CPU profile of the window here")
	flag.Parse()

	proto.AwaitStart()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
	}
	r := run(*mode, *duration, *workers, *syscallWorkers)
	pprof.StopCPUProfile()
	proto.Report(r)
}
