cat <<"END"
"double" 'single' \\
END
