/* Where libyaml's code starts in the static program.
 *
 * The linker lays libyaml's functions out right after the engine's, so every change to the
 * engine's size moved them, in steps of 16 bytes, against the 64-byte blocks in which the
 * processor fetches code and caches it decoded. At one of the four places the same libyaml ran
 * 4-6 % slower than at the other three (its scanner's hot loops split differently across
 * blocks), and that came and went with unrelated commits. This object is linked after the
 * engine and before libyaml, and starts libyaml's code at a fixed place in a 64-byte block:
 * 16 bytes in, the one measured best (docs/performance.md, lever 30). It holds no code of its
 * own, and is linked into the static program alone. */
__asm__(".text\n"
        ".balign 64\n"
        ".skip 16\n");
