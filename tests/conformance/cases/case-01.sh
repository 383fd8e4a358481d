case abc in abc) echo exact;; esac
