// Package latency measures launches in benchmarks: the median wall time
// of a launch, besides testing's mean, and the CPU time it costs the
// process and its children.
package latency

import (
	"sort"
	"syscall"
	"testing"
	"time"
)

// cpuUsed returns the CPU time of this process and of its waited-for
// children so far.
func cpuUsed() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + kids.Utime.Nano() + kids.Stime.Nano())
}

// Measure runs launch b.N times (after one run to warm up and fail
// early) and reports the median launch time (median-ms) and the CPU time
// a launch costs this process and its children together (cpu-ms/op),
// which a loaded machine distorts less than wall time.
func Measure(b *testing.B, launch func() error) {
	b.Helper()
	if err := launch(); err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	cpu0 := cpuUsed()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := launch(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuUsed()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds())/1e6, "median-ms")
}
