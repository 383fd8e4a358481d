f() { local v=1; return $v; }; f a b
