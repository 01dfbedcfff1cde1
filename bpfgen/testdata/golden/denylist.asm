; seccomp filter compiled from denylist.policy for x86_64
        ld [4]                           ; arch
        jne #0xc000003e, L0016           ; arch 0xc000003e
        ld [0]                           ; nr
        jge #0x144, L0014                ; nr >= 324
        jge #0xa7, L0007                 ; nr >= 167
        jge #0xa5, L0016                 ; nr >= mount
        jeq #0x65, L0016, L0017          ; ptrace
L0007:  jge #0x136, L0011                ; nr >= process_vm_readv
        jeq #0xf6, L0016                 ; kexec_load
        jeq #0x110, L0018                ; unshare
        jeq #0x134, L0018, L0017         ; setns
L0011:  jlt #0x138, L0016                ; nr >= 312
        jeq #0x141, L0016                ; bpf
        jeq #0x143, L0016, L0017         ; userfaultfd
L0014:  jlt #0x40000000, L0017           ; nr >= 1073741824
        jge #0x80000000, L0017           ; nr >= 2147483648
L0016:  ret #0x0                         ; KILL
L0017:  ret #0x7fff0000                  ; ALLOW
L0018:  ret #0x50001                     ; ERRNO(1)
