// httpload is a small HTTP server for load tests: each request hashes a little and answers a short JSON body,
// so that a loopback load generator (wrk) keeps the network poller, the scheduler and the runtime's threads
// busy.
//
// Protocol (-start=signal): listen on -addr (127.0.0.1:0 picks a port), print "ready <pid> <port>", wait for
// SIGUSR1 (only so that tracers can attach first: the server answers from the start), serve for -duration,
// print one JSON line (the window on CLOCK_MONOTONIC and the requests served), then wait (-linger) or exit.
// -duration=0 serves until killed.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/trace"
	"strconv"
	"sync/atomic"
	"time"

	"gotrace.test/golib/protocol"
)

type report struct {
	GoVersion   string `json:"go_version"`
	GOMAXPROCS  int    `json:"gomaxprocs"`
	Requests    uint64 `json:"requests"`
	WindowStart int64  `json:"window_start_ns"`
	WindowEnd   int64  `json:"window_end_ns"`
}

var requests uint64

func handle(w http.ResponseWriter, r *http.Request) {
	h := fnv.New64a()
	for i := 0; i < 64; i++ { // a little CPU per request, like decoding and encoding a body
		h.Write([]byte(r.URL.Path))
	}
	atomic.AddUint64(&requests, 1)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"path":%q,"hash":%s}`+"\n", r.URL.Path, strconv.FormatUint(h.Sum64(), 10))
}

func main() {
	proto := protocol.Flags()
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	duration := flag.Duration("duration", 0, "serve this long after the start; 0 = until killed")
	execTrace := flag.String("exectrace", "", "run Go's execution tracer (runtime/trace) into this file, the peer "+
		"gotrace's benchmarks compare with")
	flag.Parse()
	if *execTrace != "" {
		f, err := os.Create(*execTrace)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "httpload:", err)
			os.Exit(1)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpload:", err)
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(handle))
	port := ln.Addr().(*net.TCPAddr).Port
	if !proto.AwaitStart(port) {
		fmt.Printf("listening %d %d\n", os.Getpid(), port)
	}
	r := report{GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), WindowStart: protocol.MonotonicNs()}
	r0 := atomic.LoadUint64(&requests)
	if *duration == 0 {
		select {}
	}
	time.Sleep(*duration)
	r.Requests = atomic.LoadUint64(&requests) - r0
	r.WindowEnd = protocol.MonotonicNs()
	proto.Report(r)
}
