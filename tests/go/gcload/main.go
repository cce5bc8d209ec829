// gcload drives the Go garbage collector at a steady rate and reports the runtime's own accounting of what
// happened, so that tests can compare gotrace's numbers with the runtime's over the same window.
//
// Protocol (-start=signal): print "ready <pid>" and wait for SIGUSR1; run the workload for -duration; print one
// JSON line of ground truth; then wait (-linger) or exit. -start=now runs at once; -duration=0 runs until killed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"

	"gotrace.test/golib/protocol"
)

var sink [][]byte

// A pointer-rich live heap (-live-nodes): every cycle marks each node, so cycles cost in proportion to it, as in a
// service that caches many small objects.
type node struct {
	next *node
	pad  [5]uint64
}

var nodes *node

type report struct {
	GoVersion     string            `json:"go_version"`
	GCPauses      uint64            `json:"gc_pauses"`      // /gc/pauses:seconds count over the window
	GCCycles      uint64            `json:"gc_cycles"`      // /gc/cycles/total:gc-cycles delta
	FirstCycle    int64             `json:"first_cycle"`    // number of the first cycle in the window
	CyclePauses   map[string]uint64 `json:"cycle_pause_ns"` // cycle number -> MemStats.PauseNs (sum of its stops)
	GOMAXPROCS    int               `json:"gomaxprocs"`
	WindowNs      int64             `json:"window_ns"`
	WindowStart   int64             `json:"window_start_ns"` // CLOCK_MONOTONIC, the clock of the runtime's nanotime
	WindowEnd     int64             `json:"window_end_ns"`
	MemStatsCalls int               `json:"read_mem_stats_calls"`
	SchedLatency  *histogram        `json:"sched_latency"` // /sched/latencies:seconds over the window
	GCCPUShare    *float64          `json:"gc_cpu_share"`  // GC CPU (idle marking aside) of /cpu/classes/total, 1.20+
}

// histogram is a runtime/metrics Float64Histogram: counts[i] holds values in [boundaries[i], boundaries[i+1]).
type histogram struct {
	Boundaries []float64 `json:"boundaries"`
	Counts     []uint64  `json:"counts"`
}

func schedLatency() *histogram {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	h := s[0].Value.Float64Histogram()
	b := append([]float64(nil), h.Buckets...)
	for i := range b { // JSON has no infinities: the open ends become the largest finite float
		if math.IsInf(b[i], 0) {
			b[i] = math.Copysign(math.MaxFloat64, b[i])
		}
	}
	return &histogram{Boundaries: b, Counts: append([]uint64(nil), h.Counts...)}
}

func (h *histogram) minus(earlier *histogram) *histogram {
	out := &histogram{Boundaries: h.Boundaries, Counts: make([]uint64, len(h.Counts))}
	for i := range h.Counts {
		out.Counts[i] = h.Counts[i] - earlier.Counts[i]
	}
	return out
}

// pauseRecorder polls debug.ReadGCStats (which does not stop the world) often enough that no cycle falls out
// of its 256-entry history, and keeps every cycle's PauseNs by cycle number.
type pauseRecorder struct {
	first  int64
	pauses map[string]uint64
}

func (r *pauseRecorder) poll() {
	var s debug.GCStats
	debug.ReadGCStats(&s)
	for i, p := range s.Pause { // most recent first: s.Pause[i] is cycle NumGC-i
		cycle := s.NumGC - int64(i)
		if cycle <= r.first {
			break
		}
		r.pauses[fmt.Sprint(cycle)] = uint64(p)
	}
}

// gcCPU is the GC's CPU time but for its idle-priority marking (what memstats.gc_cpu_fraction counts) and the CPU
// time available to the program (GOMAXPROCS x wall), as the runtime counts them; ok false before Go 1.20, which
// has no /cpu/classes.
func gcCPU() (gc, total float64, ok bool) {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	for _, x := range s {
		if x.Value.Kind() != metrics.KindFloat64 {
			return 0, 0, false
		}
	}
	return s[0].Value.Float64() - s[1].Value.Float64(), s[2].Value.Float64(), true
}

func pauseCount() (pauses, cycles uint64) {
	s := []metrics.Sample{{Name: "/gc/pauses:seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	for _, c := range s[0].Value.Float64Histogram().Counts {
		pauses += c
	}
	return pauses, s[1].Value.Uint64()
}

// allocate keeps the heap churning: every worker replaces buffers in a small live set.
func allocate(stop <-chan struct{}, worker int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; !protocol.Stopped(stop); i++ {
		sink[(worker*7+i)%len(sink)] = make([]byte, 32<<10)
		if i%64 == 0 {
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// settledPauseCount reads the counters once the last cycle's stops are in them: the runtime adds a stop to
// /gc/pauses only after it restarted the world, and the goroutine SetGCPercent(-1) woke may run first (a CI run
// counted 1441 pauses where the tracer, rightly, saw 1442 end inside the window). Two reads 10 ms apart agree,
// or 200 ms pass: under a GOMEMLIMIT the GC keeps running even with GOGC off, and the count never settles.
func settledPauseCount() (uint64, uint64) {
	p, c := pauseCount()
	for i := 0; i < 20; i++ {
		time.Sleep(10 * time.Millisecond)
		p2, c2 := pauseCount()
		if p2 == p && c2 == c {
			return p, c
		}
		p, c = p2, c2
	}
	return p, c
}

func run(duration time.Duration, workers, forced, memStatsCalls, syscalls int) report {
	// The window opens with the GC at rest: SetGCPercent(-1) waits for a cycle in progress to end and starts
	// none, so that no pause falls between the clock read and the runtime's counters (one did in a CI run: the
	// tracer counted it inside the window, the counters before it).
	gcPercent := debug.SetGCPercent(-1)
	var gcStats debug.GCStats
	debug.ReadGCStats(&gcStats)
	rec := &pauseRecorder{first: gcStats.NumGC, pauses: map[string]uint64{}}
	windowStart := protocol.MonotonicNs()
	p0, c0 := pauseCount()
	lat0 := schedLatency()
	gc0, total0, cpuOK := gcCPU()
	start := time.Now()
	debug.SetGCPercent(gcPercent)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go allocate(stop, w, &wg)
	}
	for i := 0; i < forced; i++ {
		runtime.GC()
	}
	var ms runtime.MemStats
	for i := 0; i < memStatsCalls; i++ {
		runtime.ReadMemStats(&ms) // a non-GC stop-the-world, reason "read mem stats"
	}
	for i := 0; i < syscalls; i++ {
		syscall.Syscall(syscall.SYS_GETPID, 0, 0, 0) // entersyscall/exitsyscall: _Grunning -> _Gsyscall -> _Grunning
	}
	deadline := time.Now().Add(duration)
	for duration == 0 || time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		rec.poll()
	}
	close(stop)
	wg.Wait()

	// No GC after the window: a tracer's count over the whole life of the process equals the window's.
	// SetGCPercent(-1) also waits for a cycle in progress to end, so that one is inside the window.
	debug.SetGCPercent(-1)
	p1, c1 := settledPauseCount()
	lat1 := schedLatency()
	gc1, total1, _ := gcCPU()
	windowEnd := protocol.MonotonicNs()
	rec.poll()
	var share *float64
	if cpuOK && total1 > total0 {
		v := (gc1 - gc0) / (total1 - total0)
		share = &v
	}
	return report{GCCPUShare: share, GoVersion: runtime.Version(), GCPauses: p1 - p0, GCCycles: c1 - c0, FirstCycle: rec.first + 1,
		CyclePauses: rec.pauses, GOMAXPROCS: runtime.GOMAXPROCS(0),
		WindowNs: time.Since(start).Nanoseconds(), MemStatsCalls: memStatsCalls,
		WindowStart: windowStart, WindowEnd: windowEnd, SchedLatency: lat1.minus(lat0)}
}

func main() {
	proto := protocol.Flags()
	duration := flag.Duration("duration", 2*time.Second, "workload duration; 0 = until killed")
	workers := flag.Int("workers", 4, "allocating goroutines")
	forced := flag.Int("forced-gc", 0, "runtime.GC() calls at the start of the window")
	memStats := flag.Int("read-mem-stats", 0, "runtime.ReadMemStats calls (non-GC stops) at the start of the window")
	execPath := flag.String("exec", "", "after the report, replace this program with another (execve)")
	threads := flag.Int("threads", 0, "extra OS threads, each blocked in a read (LockOSThread)")
	reportPath := flag.String("report", "", "write the JSON report to this file instead of stdout")
	live := flag.Int("live-kb", 2048, "live heap kept by the workers, in KiB (a larger heap means fewer cycles)")
	syscalls := flag.Int("syscalls", 0, "getpid system calls (syscall.Syscall) at the start of the window")
	liveNodes := flag.Int("live-nodes", 0, "small linked objects kept live besides -live-kb (48 bytes each)")
	flag.Parse()

	go func() { // keeps one idle goroutine parked, like a real server
		select {}
	}()
	blockThreads(*threads)
	proto.AwaitStart()
	sink = make([][]byte, *live/32+1)
	for i := 0; i < *liveNodes; i++ {
		nodes = &node{next: nodes}
	}
	out, _ := json.Marshal(run(*duration, *workers, *forced, *memStats, *syscalls))
	if *reportPath != "" {
		if err := os.WriteFile(*reportPath, append(out, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	} else {
		fmt.Println(string(out))
	}
	proto.Linger()
	if *execPath != "" {
		err := syscall.Exec(*execPath, []string{*execPath}, os.Environ())
		fmt.Fprintln(os.Stderr, "exec:", err)
		os.Exit(1)
	}
}

var pipeWriter *os.File

// blockThreads parks n goroutines on their own OS threads in a blocking read, so that the process has n more
// threads (a thread-heavy service, for the many-threads tests).
func blockThreads(n int) {
	if n == 0 {
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	pipeWriter = w // kept referenced: a collected writer would close the pipe and end the reads
	debug.SetMaxThreads(n + 1000)
	var started sync.WaitGroup
	for i := 0; i < n; i++ {
		started.Add(1)
		go func() {
			runtime.LockOSThread()
			started.Done()
			var b [1]byte
			syscall.Read(int(r.Fd()), b[:]) // blocks its thread forever
		}()
	}
	started.Wait()
}
