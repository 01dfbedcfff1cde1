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

// Contender is one of the launches Compare interleaves.
type Contender struct {
	Name   string
	Launch func() error
}

// Compare runs each contender's launch once per iteration, in turn, b.N
// times, and reports each one's median launch time (<name>-ms) and its
// ratio to the first contender's (<name>/<first>). Interleaved, the
// contenders share whatever load the machine has at each moment, so the
// ratios hold better than those of separate benchmarks.
func Compare(b *testing.B, cs ...Contender) {
	b.Helper()
	for _, c := range cs {
		if err := c.Launch(); err != nil { // warm up, and fail early
			b.Fatalf("%s: %v", c.Name, err)
		}
	}
	times := make([][]time.Duration, len(cs))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, c := range cs {
			t0 := time.Now()
			if err := c.Launch(); err != nil {
				b.Fatalf("%s: %v", c.Name, err)
			}
			times[j] = append(times[j], time.Since(t0))
		}
	}
	b.StopTimer()
	medians := make([]float64, len(cs))
	for j, ts := range times {
		sort.Slice(ts, func(a, b int) bool { return ts[a] < ts[b] })
		medians[j] = float64(ts[len(ts)/2].Nanoseconds()) / 1e6
		b.ReportMetric(medians[j], cs[j].Name+"-ms")
	}
	for j := 1; j < len(cs); j++ {
		b.ReportMetric(medians[j]/medians[0], cs[j].Name+"/"+cs[0].Name)
	}
}
