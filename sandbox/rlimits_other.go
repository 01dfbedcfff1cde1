//go:build !linux

package sandbox

// inheritedRlimits is empty where there is no Linux runner: jails run
// only on Linux, and Run says so.
var inheritedRlimits []int
