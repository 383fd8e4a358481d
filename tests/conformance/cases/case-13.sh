case '[' in \[) echo bracket;; esac
case 'a]' in a]) echo close;; esac
