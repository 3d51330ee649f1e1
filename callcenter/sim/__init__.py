"""callcenter.sim"""
