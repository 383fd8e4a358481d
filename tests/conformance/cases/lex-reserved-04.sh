case in in in) echo matched-in;; esac
