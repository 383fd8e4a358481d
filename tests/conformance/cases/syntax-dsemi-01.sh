echo a ;; echo b
