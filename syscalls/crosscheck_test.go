package syscalls

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the cross-check fixtures under testdata/ (explanations of kept lines stay)")

// A cross-check compares (arch, name, number) triples with another
// table. Every disagreement must be listed in a fixture with its
// explanation: lines "arch name ours theirs # class: why", where a
// number is "-" when that side lacks the name. The check fails on a
// disagreement the fixture does not list and on a fixture line that no
// longer disagrees.

// disagreement formats one fixture key.
func disagreement(arch, name string, ours, theirs int64) string {
	num := func(n int64) string {
		if n < 0 {
			return "-"
		}
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%s %s %s %s", arch, name, num(ours), num(theirs))
}

// readFixture returns the keys of a fixture and their explanations.
func readFixture(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) && *update {
			return map[string]string{}
		}
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, why, _ := strings.Cut(line, "#")
		key = strings.Join(strings.Fields(key), " ")
		why = strings.TrimSpace(why)
		if len(strings.Fields(key)) != 4 || why == "" {
			t.Fatalf("%s:%d: want \"arch name ours theirs # class: why\", got %q", path, n, line)
		}
		if _, dup := out[key]; dup {
			t.Fatalf("%s:%d: %q listed twice", path, n, key)
		}
		out[key] = why
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// compareFixture checks the observed disagreements against the fixture,
// or rewrites it with -update (new lines get "UNEXPLAINED", which fails
// until a person explains them).
func compareFixture(t *testing.T, path, header string, observed []string) {
	t.Helper()
	want := readFixture(t, path)
	seen := map[string]bool{}
	for _, o := range observed {
		seen[o] = true
	}
	if *update {
		keys := make([]string, 0, len(seen))
		for k := range seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString(header)
		for _, k := range keys {
			why := want[k]
			if why == "" {
				why = "UNEXPLAINED"
			}
			fmt.Fprintf(&b, "%s # %s\n", k, why)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		want = readFixture(t, path)
	}
	var unlisted, stale, unexplained []string
	for k := range seen {
		if _, ok := want[k]; !ok {
			unlisted = append(unlisted, k)
		}
	}
	for k, why := range want {
		if !seen[k] {
			stale = append(stale, k)
		}
		if strings.Contains(why, "UNEXPLAINED") {
			unexplained = append(unexplained, k)
		}
	}
	sort.Strings(unlisted)
	sort.Strings(stale)
	sort.Strings(unexplained)
	for _, k := range unlisted {
		t.Errorf("disagreement not in %s: %s", path, k)
	}
	for _, k := range stale {
		t.Errorf("%s lists %q, which no longer disagrees: remove it", path, k)
	}
	for _, k := range unexplained {
		t.Errorf("%s: %q needs an explanation", path, k)
	}
	if len(unlisted)+len(stale)+len(unexplained) == 0 {
		t.Logf("%d disagreements, all explained in %s", len(seen), path)
	}
}

// xsysArches maps the arches x/sys/unix has SYS_* constants for to the
// file that holds them.
var xsysArches = map[string]string{
	"x86_64":  "zsysnum_linux_amd64.go",
	"x86":     "zsysnum_linux_386.go",
	"aarch64": "zsysnum_linux_arm64.go",
}

var reSysConst = regexp.MustCompile(`(?m)^\s*SYS_(\w+)\s*=\s*(\d+)`)

// TestXSysNumbers cross-checks the numbers of x86_64, x86 and aarch64
// against the SYS_* constants of golang.org/x/sys/unix, read from the
// module's source (they exist only for the matching GOARCH when built).
func TestXSysNumbers(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		skipWithout(t, "the go command and the golang.org/x/sys module source", err)
	}
	var observed []string
	for _, arch := range []string{"aarch64", "x86", "x86_64"} {
		a := mustArch(t, arch)
		src, err := os.ReadFile(filepath.Join(dir, "unix", xsysArches[arch]))
		if err != nil {
			t.Fatal(err)
		}
		theirs := map[uint32]string{}
		consts := reSysConst.FindAllStringSubmatch(string(src), -1)
		if len(consts) < 250 {
			t.Fatalf("%s: only %d SYS_ constants parsed", xsysArches[arch], len(consts))
		}
		for _, m := range consts {
			name := strings.ToLower(m[1])
			n, _ := strconv.ParseUint(m[2], 10, 32)
			theirs[uint32(n)] = name
			s, ok := a.Lookup(name)
			switch {
			case !ok:
				observed = append(observed, disagreement(arch, name, -1, int64(n)))
			case s.Nr != uint32(n):
				observed = append(observed, disagreement(arch, name, int64(s.Nr), int64(n)))
			}
		}
		for _, s := range a.Syscalls() {
			if _, ok := theirs[s.Nr]; !ok {
				observed = append(observed, disagreement(arch, s.Name, int64(s.Nr), -1))
			}
		}
	}
	compareFixture(t, "testdata/xsys-disagreements.txt", xsysHeader, observed)
}

const xsysHeader = `# Disagreements between the syscall tables and golang.org/x/sys/unix
# (zsysnum_linux_{amd64,386,arm64}.go), checked by TestXSysNumbers.
# Fields: arch, name, our number, x/sys number ("-": that side has no such
# name or number), then the reason. Classes:
#   uid16-names: on i386 the plain name is the 32-bit-uid call (the one
#     glibc makes), as the reference Kafel names it; the 16-bit call carries
#     a 16 suffix. x/sys gives the plain name to the 16-bit call.
#   kafel-name: the name is a kernel entry point on this arch (Kafel's
#     naming), while x/sys uses it as the libc name of another number.
#   after-6.18: added after Linux 6.18, which these tables describe.
#   not-a-syscall: a constant in the SYS_ list that names no call.
`

// skipWithout skips a test that needs something this machine lacks,
// saying what.
func skipWithout(t *testing.T, what string, err error) {
	t.Helper()
	t.Skipf("needs %s: %v", what, err)
}
