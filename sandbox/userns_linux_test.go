package sandbox

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestExplainSetup(t *testing.T) {
	sysctls := func(m map[string]string) func(string) ([]byte, error) {
		return func(p string) ([]byte, error) {
			if v, ok := m[p]; ok {
				return []byte(v + "\n"), nil
			}
			return nil, os.ErrNotExist
		}
	}
	ubuntu := sysctls(map[string]string{"/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1", "/proc/sys/user/max_user_namespaces": "63000"})
	tests := []struct {
		name string
		err  error
		euid int
		read func(string) ([]byte, error)
		want string // substring of the message; "" for unchanged
	}{
		{"apparmor", &SetupError{Op: "unshare CLONE_NEWNS", Err: unix.EPERM}, 1000, ubuntu, "apparmor_restrict_unprivileged_userns is 1"},
		{"no namespaces", &SetupError{Op: "start the jail", Err: unix.ENOSPC}, 1000, sysctls(map[string]string{"/proc/sys/user/max_user_namespaces": "0"}), "max_user_namespaces is 0"},
		{"debian", &SetupError{Op: "start the jail", Err: unix.EPERM}, 1000, sysctls(map[string]string{"/proc/sys/kernel/unprivileged_userns_clone": "0"}), "unprivileged_userns_clone is 0"},
		{"root", &SetupError{Op: "mount", Err: unix.EPERM}, 0, ubuntu, ""},
		{"cgroup", &SetupError{Op: "cgroup create", Err: unix.EPERM}, 1000, ubuntu, ""},
		{"other errno", &SetupError{Op: "mount", Err: unix.ENOENT}, 1000, ubuntu, ""},
		{"unrestricted host", &SetupError{Op: "mount", Err: unix.EPERM}, 1000, sysctls(nil), ""},
	}
	for _, tt := range tests {
		before := tt.err.Error()
		got := explainSetup(tt.err, tt.euid, tt.read)
		switch {
		case tt.want == "" && got.Error() != before:
			t.Errorf("%s: %q, want it unchanged (%q)", tt.name, got, before)
		case tt.want != "" && (!strings.Contains(got.Error(), tt.want) || !strings.HasPrefix(got.Error(), before)):
			t.Errorf("%s: %q, want %q with %q", tt.name, got, before, tt.want)
		}
		if !errors.Is(got, tt.err.(*SetupError).Err) {
			t.Errorf("%s: %v no longer wraps %v", tt.name, got, tt.err.(*SetupError).Err)
		}
	}
}
