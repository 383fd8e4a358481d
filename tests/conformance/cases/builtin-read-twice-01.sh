printf 'a\nb\n' | { read x; read x; echo $x; }
