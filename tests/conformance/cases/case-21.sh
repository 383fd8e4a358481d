case A in [[:upper:]]) echo upper;; esac
case 5 in [[:digit:]]) echo digit;; esac
