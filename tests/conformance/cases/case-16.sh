case \\ in '\') echo backslash;; esac
case 'a\b' in 'a\b') echo bs;; esac
