# fcm-1 (generated)
require 'json'
class OrdersController < ApplicationController
  def show
FCM_SERVER = 'AAAAh3pdXER:APA91b2sSnHipNFp0B6nhdiYx4KP6HVm2Ftli8GXEQJ-Op8-ALvlGQIbW0G3EWSrELggh7NPHgU_myAk3BxGvcYiduD3-kWBg7LP7o9eyn5JrdYUl_vquGKwi0tfkv3Eq0g1yI38Y1yX'
    render json: Order.find(params[:id])
  end
end
