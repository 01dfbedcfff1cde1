package corpus_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Init() // the jail's init is this test binary re-executed
	os.Exit(m.Run())
}

// requireJail skips t where jails cannot be built: not root (the default
// jail maps ids and writes cgroups) or no program to run.
func requireJail(t *testing.T, program string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the default jail maps ids and writes cgroups")
	}
	if _, err := exec.LookPath(program); err != nil {
		t.Skipf("needs %s on the host: %v", program, err)
	}
}

// TestWorkloadsUnderDefaultPolicy runs real programs in kafel run's
// default jail with the embedded default policy: each must do ordinary
// work (files, threads, subprocesses, pipes, timers) without tripping
// the filter.
func TestWorkloadsUnderDefaultPolicy(t *testing.T) {
	workloads := []struct {
		name, program string
		argv          []string
		want          string
	}{
		{"python3", "/usr/bin/python3", []string{"python3", "-c", `
import hashlib, json, os, subprocess, tempfile, threading, time
results = []
t = threading.Thread(target=lambda: results.append(sum(range(1000))))
t.start(); t.join()
with tempfile.NamedTemporaryFile("w+", dir="/tmp") as f:
    f.write(json.dumps({"n": results[0]})); f.flush(); f.seek(0)
    data = json.load(f)
out = subprocess.run(["/bin/echo", "child"], capture_output=True, text=True).stdout.strip()
time.sleep(0.01)
print(data["n"], out, hashlib.sha256(b"x").hexdigest()[:8], len(os.listdir("/tmp")) >= 0)
`}, "499500 child 2d711642 True"},
		{"sh and coreutils", "/bin/sh", []string{"sh", "-c", `
set -e
cd /tmp
printf 'b\na\nb\n' > in.txt
sort in.txt | uniq | tr '\n' ' '
mkdir -p d && cp in.txt d/copy && mv d/copy d/moved && chmod 600 d/moved
ln -s d/moved link && cat link | wc -l
seq 3 | xargs echo
sed s/a/z/ in.txt | grep -c z
awk 'END { print NR }' in.txt
stat -c %a d/moved
md5sum in.txt | cut -c1-8
rm -r d link in.txt
date +%Y >/dev/null && id -u >/dev/null && uname -s
`}, "a b 3\n1 2 3\n1\n3\n600\nabcc7849\nLinux"},
		{"node", "/usr/bin/node", []string{"node", "-e", `
const fs = require("fs"), cp = require("child_process");
fs.writeFileSync("/tmp/n.txt", "node");
const child = cp.execSync("/bin/echo sub").toString().trim();
setTimeout(() => console.log(fs.readFileSync("/tmp/n.txt", "utf8"), child), 5);
`}, "node sub"},
	}
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			requireJail(t, w.program)
			c := sandbox.DefaultConfig()
			c.Path, c.Argv = w.program, w.argv
			var stdout, stderr bytes.Buffer
			res, err := sandbox.Run(context.Background(), c, sandbox.RunOptions{
				Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
			})
			if err != nil {
				t.Fatalf("Run: %v\nstderr: %s", err, stderr.String())
			}
			if res.ExitCode != 0 || res.ReasonKind != sandbox.ReasonExited {
				t.Fatalf("result %+v (%s)\nstdout: %s\nstderr: %s", res, res.Reason, stdout.String(), stderr.String())
			}
			if got := strings.TrimSpace(stdout.String()); got != strings.TrimSpace(w.want) {
				t.Errorf("stdout %q, want %q\nstderr: %s", got, w.want, stderr.String())
			}
		})
	}
}
