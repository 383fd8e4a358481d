alias greet='echo hi'
f() { greet; }
f
