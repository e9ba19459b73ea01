"""Files of a running desktop, for the Files panel and the API: who may list, download and upload
where (`access`, on top of sharing's roles and the data policy), and visa's side of each VM's file
API (`vm`: protocols/file_api.py, served by the mount agent), streamed without holding a file.

May import: instances.sharing (roles, the data check), instances.cloud (the file token, mounts),
the models and states; openaccess (who may read data); protocols (paths as the VM checks them).
"""
