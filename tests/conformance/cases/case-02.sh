case abc in a*) echo star;; *) echo default;; esac
