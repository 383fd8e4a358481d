alias ll="ls -l"; ll; unalias ll
