while true; echo x; done
