eval 'if true'
echo after-eval-error
