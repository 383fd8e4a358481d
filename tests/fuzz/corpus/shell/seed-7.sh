if true; then :; elif false; then :; else :; fi; while false; do break; done; until :; do continue; done
