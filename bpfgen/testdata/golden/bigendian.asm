; seccomp filter compiled from bigendian.policy for mips64
        ld [4]                           ; arch
        jne #0x80000008, L0014           ; arch 0x80000008
        ld [0]                           ; nr
        jge #0x1391, L0015               ; nr >= 5009
        jeq #0x1389, L0006               ; write
        jeq #0x1390, L0008, L0015        ; lseek
L0006:  ld [20]                          ; write
        jeq #0x1, L0016, L0015
L0008:  ld [24]                          ; lseek
        jne #0xffffffff, L0012
        ld [28]                          ; args[1]+4
        jeq #0xffffffff, L0016
L0012:  ld [24]                          ; args[1]
        jge #0x1, L0015, L0016
L0014:  ret #0x0                         ; KILL
L0015:  ret #0x50001                     ; ERRNO(1)
L0016:  ret #0x7fff0000                  ; ALLOW
