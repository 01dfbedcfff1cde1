// Package corpus holds the Kafel policies gokafel ships: the default
// policy of `kafel run` and policies for common workloads. Each is tested
// on the real workload it is written for.
package corpus
