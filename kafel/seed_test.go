package kafel

import (
	"os"
	"testing"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
)

// The two policies of testdata/seed are copied from a widely read article
// on nsjail; neither is valid for the reference compiler. They must load
// with warnings only and mean what their comments say, and strict mode
// must refuse them.
func TestSeedPolicies(t *testing.T) {
	const (
		nrRead, nrOpen, nrStat, nrClone, nrSocket, nrPtrace, nrOpenat = 0, 2, 4, 56, 41, 101, 257
		cloneThread                                                   = 0x10000
	)
	type call struct {
		nr   int32
		args [6]uint64
		want bpfgen.Action
	}
	tests := []struct {
		file  string
		calls []call
	}{
		{"code_execution.kafel", []call{
			{nrRead, [6]uint64{}, bpfgen.Allow},
			{nrOpen, [6]uint64{0, 2}, bpfgen.Allow},
			{nrStat, [6]uint64{}, bpfgen.Allow}, // `stat` is newstat on x86_64
			{nrPtrace, [6]uint64{}, bpfgen.KillThread},
		}},
		{"restricted_io.kafel", []call{
			{nrOpen, [6]uint64{0x1000, 0}, bpfgen.Allow},         // O_RDONLY
			{nrOpen, [6]uint64{0x1000, 1}, bpfgen.KillThread},    // O_WRONLY
			{nrOpen, [6]uint64{0x1000, 0x42}, bpfgen.KillThread}, // O_CREAT|O_RDWR
			{nrOpenat, [6]uint64{0, 0x1000, 0}, bpfgen.Allow},
			{nrOpenat, [6]uint64{0, 0x1000, 2}, bpfgen.KillThread},
			{nrClone, [6]uint64{cloneThread | 0x100}, bpfgen.Allow},
			{nrClone, [6]uint64{0x11}, bpfgen.KillThread},  // fork-like clone
			{nrSocket, [6]uint64{1, 1}, bpfgen.Allow},      // AF_UNIX
			{nrSocket, [6]uint64{2, 1}, bpfgen.KillThread}, // AF_INET
			{nrRead, [6]uint64{}, bpfgen.KillThread},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile("testdata/seed/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			p := loadOK(t, string(src), x86Opts(t))
			if len(p.Warnings) == 0 {
				t.Errorf("no portability warnings for a policy the reference refuses")
			}
			for _, w := range p.Warnings {
				if w.Severity == grammar.Error {
					t.Errorf("warning list holds an error: %v", w)
				}
			}
			rs := p.RuleSet()
			for _, c := range tt.calls {
				d := bpfgen.SeccompData{Nr: c.nr, Arch: rs.Arches[0].AuditArch, Args: c.args}
				if got := rs.Eval(d); got != c.want {
					t.Errorf("syscall %d args %#x: got %s, want %s\nrules:\n%s", c.nr, c.args, got, c.want, dumpRules(rs.Arches[0]))
				}
			}
			strict := x86Opts(t)
			strict.Strict = true
			if _, err := Load(tt.file, src, strict); err == nil {
				t.Errorf("strict mode accepted %s", tt.file)
			}
		})
	}
}
