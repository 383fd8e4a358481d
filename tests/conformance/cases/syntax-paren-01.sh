echo (
