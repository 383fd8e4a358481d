case a in a) echo in-case;; esac > f
cat f
