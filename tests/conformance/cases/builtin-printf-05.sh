printf '%b\n' 'tab\there' 'nl\nx'
