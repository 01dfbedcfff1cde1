package bpfgen

// optimize runs the optimizer passes to a fixpoint, counting in counts
// how often each one changed p.
func optimize(p *prog, counts map[string]int) {
}
