// escape tries one way out of the jail, named by argv[1], and prints what
// happened. Built by the sandbox tests with gcc.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int report(const char *what, long r) {
	if (r < 0) {
		printf("%s: failed: %s\n", what, strerror(errno));
		return 1;
	}
	printf("%s: succeeded (%ld)\n", what, r);
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: escape MODE\n");
		return 2;
	}
	const char *m = argv[1];
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("start\n");
	if (!strcmp(m, "euid")) {
		printf("euid %d uid %d\n", (int)geteuid(), (int)getuid());
		return 0;
	}
	if (!strcmp(m, "mount"))
		return report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(m, "ptrace"))
		return report("ptrace", ptrace(PTRACE_ATTACH, getppid() ? getppid() : 1, 0, 0));
	if (!strcmp(m, "unshare"))
		return report("unshare", unshare(CLONE_NEWUSER | CLONE_NEWNS));
	if (!strcmp(m, "keyctl"))
		return report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 1));
	if (!strcmp(m, "bpf")) {
		union bpf_attr attr;
		memset(&attr, 0, sizeof attr);
		attr.map_type = BPF_MAP_TYPE_ARRAY;
		attr.key_size = 4;
		attr.value_size = 4;
		attr.max_entries = 1;
		return report("bpf", syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
	}
	if (!strcmp(m, "uname")) {
		struct utsname u;
		return report("uname", uname(&u));
	}
	if (!strcmp(m, "int80")) {
		// uname through the 32-bit entry: i386 nr 122 (newuname).
		static struct utsname u;
		long r;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(122), "b"((long)&u) : "memory");
		printf("int80: returned %ld\n", r);
		return 0;
	}
	if (!strcmp(m, "x32")) {
		// uname through the x32 entry: __X32_SYSCALL_BIT | 63.
		struct utsname u;
		long r = syscall(0x40000000 | 63, &u);
		return report("x32", r);
	}
	fprintf(stderr, "unknown mode %s\n", m);
	return 2;
}
