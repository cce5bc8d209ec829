// demoapp is the workload `make demo` traces: a small in-process "service" whose request handlers allocate,
// hand work between goroutines and keep a live cache, so that the garbage collector and the scheduler both have
// something to do. Run inside a cgroup with a CPU quota below GOMAXPROCS, it shows the classic symptom: GC
// pauses and scheduling delays stretched by CFS throttling.
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"sync"
	"time"
)

type request struct {
	id      int
	payload []byte
	done    chan []byte
}

// handle does a little CPU work and allocates the way a JSON API would.
func handle(r *request, cache [][]byte) []byte {
	out := make([]byte, 0, len(r.payload)*4)
	for i := 0; i < 4; i++ {
		out = append(out, r.payload...)
	}
	sum := uint32(2166136261)
	for round := 0; round < 8; round++ { // FNV-1a over the body: stands in for encoding work
		for _, b := range out {
			sum = (sum ^ uint32(b)) * 16777619
		}
	}
	cache[r.id%len(cache)] = out
	return []byte(fmt.Sprintf("%d:%d", r.id, sum))
}

func main() {
	duration := flag.Duration("duration", 0, "run this long, then exit (0: until killed)")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0)*4, "handler goroutines")
	rate := flag.Int("rate", 4000, "requests per second")
	cacheMB := flag.Int("cache-mb", 32, "live cache size in MiB")
	flag.Parse()

	cache := make([][]byte, *cacheMB*1024/8) // entries of about 8 KiB
	queue := make(chan *request, 1024)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range queue {
				r.done <- handle(r, cache)
			}
		}()
	}
	fmt.Fprintf(os.Stderr, "demoapp: pid %d, %s, GOMAXPROCS=%d, %d workers, %d req/s\n", os.Getpid(),
		runtime.Version(), runtime.GOMAXPROCS(0), *workers, *rate)

	tick := time.NewTicker(time.Second / time.Duration(*rate/100+1))
	defer tick.Stop()
	deadline := time.Now().Add(*duration)
	for id := 0; *duration == 0 || time.Now().Before(deadline); {
		<-tick.C
		for i := 0; i < 100; i++ { // bursts of 100 requests, like a busy frontend
			r := &request{id: id, payload: make([]byte, 2048+rand.Intn(2048)), done: make(chan []byte, 1)}
			id++
			queue <- r
			go func() { <-r.done }()
		}
	}
	close(queue)
	wg.Wait()
}
