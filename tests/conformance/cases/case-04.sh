case foo in bar) echo bar;; baz) echo baz;; *) echo other;; esac
