"""Customer profiles as people read them: lists and single profiles (the 360 view grows here)."""
