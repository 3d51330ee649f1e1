"""callcenter.live"""
