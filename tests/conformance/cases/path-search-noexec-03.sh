printf 'echo "x=${x-unset} y=${y-unset}"\nf 2>/dev/null || echo "no f"\n' >s
chmod +x s
x=1
export y=2
f() { echo f; }
./s
