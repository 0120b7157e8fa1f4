# Deterministic folded-stack generator for the flame graph benchmark and
# the HTML view test: STACKS distinct-ish stacks (shared prefixes near the
# root, unique tails), 1..19 samples each (about 10 * STACKS in all), frame
# names from a pool of 20000 Java, inlined, interpreted, native and kernel
# names, under 8 Flink task-thread roots of two operators.
#   awk -v stacks=100000 -f tests/gen_folded.awk > out.folded
# Park-Miller LCG: products stay below 2^53, so every awk gives the same file.
function rnd() { seed = (seed * 16807) % 2147483647; return seed }
function frame(p,   kind) {
	kind = p % 10
	if (kind <= 5) return "com.example.pkg" (p % 40) ".Class" (p % 500) ".method" p "_[j]"
	if (kind == 6) return "com.example.pkg" (p % 40) ".Inline" (p % 300) ".get" p "_[i]"
	if (kind == 7) return "com.example.pkg" (p % 40) ".Slow" (p % 200) ".run" p "_[0]"
	if (kind == 8) return "native_function_" p
	return "kernel_function_" p "_[k]"
}
BEGIN {
	if (stacks == "") stacks = 100000
	seed = 42
	for (i = 0; i < stacks; i++) {
		t = i % 8
		op = t < 4 ? "Source: Gen -> Map" : "Window(Tumbling) -> Sink: Out"
		line = "[" op " (" (t % 4 + 1) "/4)#0 tid=" (1000 + t) "]"
		depth = 20 + rnd() % 20
		for (k = 1; k < depth; k++) {
			shift = 17 - k
			g = shift > 0 ? int(i / 2 ^ shift) : i
			line = line ";" frame((g * 2654435761 + k * 40503) % 20000)
		}
		print line " " (1 + rnd() % 19)
	}
}
