read x < nosuch || echo failed
