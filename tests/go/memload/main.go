// memload holds a live heap of a given size and reports the runtime's own view of its memory settings, so that
// tests can compare gotrace's memory figures with the runtime's; or (-grow) grows its heap until it is killed.
// With -nofile N it lowers its RLIMIT_NOFILE soft limit to N and (-files M) tries to open M files, holding those it
// could open, and reports its descriptors as it counts them and the EMFILE errors it got.
//
// Protocol (-start=signal): print "ready <pid>" and wait for SIGUSR1; build the heap; run one GC and hold still
// (no allocation) while it prints one JSON line of ground truth; then wait (-linger) idle, so that a tracer's
// last reading sees the same state. With -grow it allocates -step MiB every -every until the kernel kills it.
package main

import (
	"errors"
	"flag"
	"os"
	"runtime"
	"runtime/metrics"
	"syscall"
	"time"

	"gotrace.test/golib/protocol"
)

var live [][]byte

type report struct {
	GoVersion   string `json:"go_version"`
	GOGC        *int64 `json:"gogc"`          // /gc/gogc:percent (1.21+)
	GOMEMLIMIT  *int64 `json:"gomemlimit"`    // /gc/gomemlimit:bytes (1.21+)
	HeapGoal    uint64 `json:"heap_goal"`     // /gc/heap/goal:bytes
	HeapLive    *int64 `json:"heap_live"`     // /gc/heap/live:bytes (1.21+)
	HeapAlloc   uint64 `json:"heap_alloc"`    // MemStats.HeapAlloc right after the GC: live heap, any version
	NumGC       uint32 `json:"num_gc"`        // MemStats.NumGC
	NumForcedGC uint32 `json:"num_forced_gc"` // MemStats.NumForcedGC
	OpenFds     int    `json:"open_fds"`      // entries of /proc/self/fd when reporting
	NofileSoft  uint64 `json:"nofile_soft"`   // getrlimit(RLIMIT_NOFILE)
	NofileHard  uint64 `json:"nofile_hard"`
	EMFILE      int    `json:"emfile_errors"` // opens that failed with EMFILE
}

var held []*os.File

// openFiles lowers the soft RLIMIT_NOFILE to limit (when > 0) and tries n opens, keeping what opened.
func openFiles(limit uint64, n int) (emfile int) {
	if limit > 0 {
		var rl syscall.Rlimit
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
		rl.Cur = limit
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			panic(err)
		}
	}
	for i := 0; i < n; i++ {
		f, err := os.Open("/dev/null")
		if errors.Is(err, syscall.EMFILE) {
			emfile++
			continue
		}
		if err != nil {
			panic(err)
		}
		held = append(held, f)
	}
	return emfile
}

// openFds counts this process's descriptors as /proc shows them, through a directory opened before the limit was
// reached (and held, so that it is one of them for anyone counting later too).
func openFds(dir *os.File) int {
	names, err := dir.Readdirnames(-1)
	if err != nil {
		panic(err)
	}
	return len(names)
}

func sample(name string) *int64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return nil // not in this Go version
	}
	v := int64(s[0].Value.Uint64())
	return &v
}

// touched allocates n bytes and writes to every page: RSS and the cgroup count only what is resident.
func touched(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}

func grow(stepMiB int, every time.Duration) {
	for {
		live = append(live, touched(stepMiB<<20))
		time.Sleep(every)
	}
}

func main() {
	proto := protocol.Flags()
	heapMiB := flag.Int("heap-mib", 32, "live heap to hold, in MiB")
	growMode := flag.Bool("grow", false, "grow the heap until killed")
	step := flag.Int("step-mib", 4, "with -grow: MiB per step")
	every := flag.Duration("every", 20*time.Millisecond, "with -grow: time between steps")
	nofile := flag.Uint64("nofile", 0, "lower the RLIMIT_NOFILE soft limit to this (0: leave it)")
	files := flag.Int("files", 0, "open this many files (those the limit allows) and hold them")
	flag.Parse()

	proto.AwaitStart()
	if *growMode {
		grow(*step, *every)
	}
	for i := 0; i < *heapMiB; i++ {
		live = append(live, touched(1<<20))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r := report{GoVersion: runtime.Version(), GOGC: sample("/gc/gogc:percent"),
		GOMEMLIMIT: sample("/gc/gomemlimit:bytes"), HeapLive: sample("/gc/heap/live:bytes"),
		HeapAlloc: ms.HeapAlloc, NumGC: ms.NumGC, NumForcedGC: ms.NumForcedGC}
	r.HeapGoal = uint64(*sample("/gc/heap/goal:bytes"))
	fdDir, err := os.Open("/proc/self/fd")
	if err != nil {
		panic(err)
	}
	r.EMFILE = openFiles(*nofile, *files)
	r.OpenFds = openFds(fdDir)
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	r.NofileSoft, r.NofileHard = rl.Cur, rl.Max
	proto.Report(r)
	runtime.KeepAlive(live)
	runtime.KeepAlive(held)
	runtime.KeepAlive(fdDir)
}
